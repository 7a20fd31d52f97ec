# Writes to stdout for ever.
import sys

line = "x" * 4095 + "\n"
while True:
    sys.stdout.write(line)
