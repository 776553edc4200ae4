"""Reading e-mail: `.eml` files, folders of them, and mbox files, into the text a classifier reads.

    textrnn classify --model spam --input-format eml MAIL.eml FOLDER/ ...
    textrnn classify --model spam --input-format mbox INBOX.mbox
    textrnn evaluate spam FOLDER/            # FOLDER/ham/*.eml, FOLDER/spam/*.eml

`message.py` turns one message (bytes, parsed with Python's standard `email` package) into
`Subject: <subject> <body>`, exactly as the `email_spam` corpus was built, so a model trained on
that corpus reads a user's mail the way it read its training data. `sources.py` finds the messages
in files, folders and mbox files, one record per message, and never drops one: a message that
cannot be read keeps its record, with the reason.
"""

from textrnn.mail.message import mail_text  # noqa: F401
from textrnn.mail.sources import FORMATS, MailRecord, iter_mail, labelled_mail  # noqa: F401
