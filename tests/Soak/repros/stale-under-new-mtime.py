# Used by stale-under-new-mtime.sh. Rewrites a one-chunk file in place with ONE slow write() call (its source paged out, so the kernel
# sets the mtime at once and copies the data over milliseconds), each time the moment another process
# opens the file (inotify IN_OPEN) -- upload-directory about to read a file it found settled -- or on
# a timer. After each rewrite, watches the uploader's stdout: stops when the uploader sent content that
# was never written (TORN) or, for 6 s, sends nothing new although the file changed (STALE: it recorded
# old content under the new size and mtime). Linux, python3.
import ctypes, ctypes.util, hashlib, mmap, os, select, sys, time
path, rounds, src, upout = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
libc.inotify_add_watch(fd, path.encode(), 0x20)  # IN_OPEN
n = os.path.getsize(path)
written = {hashlib.sha512(open(path, 'rb').read()).hexdigest()}
def sends():
    return [l.split()[-1] for l in open(upout) if l.startswith("sent f.bin ")]
def prepare():
    data = os.urandom(n)
    with open(src, 'wb') as f:
        f.write(data); f.flush(); os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    sfd = os.open(src, os.O_RDONLY)
    m = mmap.mmap(sfd, n, prot=mmap.PROT_READ); m.madvise(mmap.MADV_RANDOM)
    return data, sfd, m
for i in range(rounds):
    data, sfd, m = prepare()
    # A plain rewrite first, so that the uploader has something new to read once it settles.
    setup = os.urandom(n); written.add(hashlib.sha512(setup).hexdigest())
    with open(path, 'r+b') as f:
        f.write(setup)
    last = time.time()
    while select.select([fd], [], [], 0)[0]:
        os.read(fd, 4096)
    how = "timer"
    deadline = time.time() + 3
    while time.time() < deadline:
        if select.select([fd], [], [], 0.05)[0]:
            os.read(fd, 4096)
            if time.time() - last > 0.6:
                how = "open"; break
    new = hashlib.sha512(data).hexdigest(); written.add(new)
    before = len(sends())
    out = os.open(path, os.O_WRONLY); os.pwrite(out, m, 0); os.close(out)   # ONE write() call
    m.close(); os.close(sfd)
    time.sleep(6)
    s = sends()[before:]
    torn = [x for x in s if x not in written]
    if torn:
        print(f"round {i+1} ({how}): TORN: the uploader sent {torn[0][:16]}..., content never written"); sys.exit(0)
    if new not in s and hashlib.sha512(open(path,'rb').read()).hexdigest() == new:
        print(f"round {i+1} ({how}): STALE: file holds {new[:16]}... (unchanged for 6 s) but the uploader sent {[x[:16] for x in s]} since the rewrite; it will not send it again"); sys.exit(0)
print(f"{rounds} rounds: neither seen")
