"""commands/memory.py: giving free heap pages back is safe to call any time, on any platform."""

from textrnn.commands.memory import release_free_memory


def test_release_free_memory_can_be_called_repeatedly():
    blocks = [bytearray(1 << 20) for _ in range(8)]
    del blocks
    release_free_memory()
    release_free_memory()
