# Tries to write outside its working folder. argv[1] is a folder of the grader's machine.
import os
import sys

targets = ["/etc/socklab-pwned", "/root/socklab-pwned", "../socklab-pwned", "/usr/socklab-pwned"]
targets += [os.path.join(sys.argv[1], "pwned.txt")]
for target in targets:
    try:
        with open(target, "w") as f:
            f.write("pwned")
        print("WROTE", target)
    except OSError as error:
        print("refused", target, error.strerror)
with open("inside.txt", "w") as f:
    f.write("my own folder is fine")
print("wrote inside.txt")
