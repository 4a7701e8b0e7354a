"""python-etcd (Debian python3-etcd) against one etcd endpoint: every call a
user makes, with what the client shows, as JSON lines. Indexes are printed
relative to the first write so two servers can be compared."""
import json
import sys
import threading
import time

import etcd

host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = etcd.Client(host=host, port=port, allow_reconnect=False, read_timeout=5)
base = None
out = []


def rel(i):
    return None if i is None or base is None else i - base


def relkey(k):
    # In-order keys are named by their (absolute) index.
    if k and len(k) > 20 and k[-20:].isdigit():
        return k[:-20] + "#" + str(rel(int(k[-20:])))
    return k


def show(step, r):
    out.append({"step": step, "action": r.action, "key": relkey(r.key), "value": r.value, "dir": r.dir,
                "ttl": r.ttl is not None, "modifiedIndex": rel(r.modifiedIndex), "createdIndex": rel(r.createdIndex),
                "children": sorted(c.key for c in r.leaves) if r.dir else None})


def fails(step, fn):
    try:
        fn()
        out.append({"step": step, "error": None})
    except Exception as e:  # the exception class is what users catch
        out.append({"step": step, "error": type(e).__name__})


r = client.write(prefix + "/a", "1")
base = r.modifiedIndex
show("write", r)
show("read", client.read(prefix + "/a"))
show("overwrite", client.write(prefix + "/a", "2"))
r = client.read(prefix + "/a")
r.value = "3"
show("update", client.update(r))
show("test_and_set", client.test_and_set(prefix + "/a", "4", "3"))
fails("test_and_set wrong", lambda: client.test_and_set(prefix + "/a", "5", "nope"))
fails("create existing", lambda: client.write(prefix + "/a", "x", prevExist=False))
fails("update missing", lambda: client.write(prefix + "/missing", "x", prevExist=True))
fails("read missing", lambda: client.read(prefix + "/missing"))
show("write dir", client.write(prefix + "/d", None, dir=True))
fails("dir again", lambda: client.write(prefix + "/d", None, dir=True))
show("write in dir", client.write(prefix + "/d/x", "x"))
show("write deep", client.write(prefix + "/d/e/y", "y"))
show("read recursive", client.read(prefix + "/d", recursive=True))
fails("delete dir plain", lambda: client.delete(prefix + "/d"))
fails("delete dir not empty", lambda: client.delete(prefix + "/d", dir=True))
fails("write under file", lambda: client.write(prefix + "/a/b", "x"))
show("append", client.write(prefix + "/q", "job1", append=True))
show("append 2", client.write(prefix + "/q", "job2", append=True))
show("ttl", client.write(prefix + "/t", "v", ttl=100))
show("delete", client.delete(prefix + "/a"))
show("delete recursive", client.delete(prefix + "/d", recursive=True))
show("set/get", client.set(prefix + "/s", "sv"))
show("get", client.get(prefix + "/s"))

# Watch with an index from the past returns at once; a live watch wakes on a write.
r = client.write(prefix + "/w", "1")
show("watch past", client.watch(prefix + "/w", index=r.modifiedIndex))
woke = {}


def later():
    time.sleep(0.3)
    client.write(prefix + "/w", "2")


threading.Thread(target=later).start()
show("watch live", client.watch(prefix + "/w", timeout=5))
show("read wait recursive", (lambda: (threading.Thread(target=later).start(), client.read(prefix, wait=True, recursive=True, timeout=5))[1])())

out.append({"step": "machines", "count": len(client.machines)})
out.append({"step": "members", "count": len(client.members)})
out.append({"step": "leader", "has": bool(client.leader and client.leader.get("id"))})
for o in out:
    print(json.dumps(o, sort_keys=True))
