from textrnn.cli import run

run()
