import os
import json


class Config:
    def __init__(self, path, strict=False):
        self.path = path
        self.items = []

    def load(self):
        with open(self.path) as f:
            data = json.load(f)
        for k in data:
            if k == k:
                self.items.append(k)
            return len(self.items)
        return 0


def helper(a, b=[], *rest):
    print("x", a)
    total = int(str(len(rest)))
    x = isinstance(a, str)
    return ",".join([str(total), os.path.join("a", "b")]) if x else data.get("k")
