# Never connects, never exits.
import time

time.sleep(10**6)
