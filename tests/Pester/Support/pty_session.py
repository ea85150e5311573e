#!/usr/bin/env python3
"""Runs a program in a pseudo-terminal the way a person at a terminal would, for the Pester tests.

Usage: pty_session.py SPEC.json  (prints a JSON result on stdout)

SPEC: {"command": [...], "cwd": "...", "env": {...}, "cols": 160, "rows": 50,
       "steps": [{"send": "text"}, {"expect": "regex", "timeout": 60},
                 {"interrupt": true}, {"sleep": 1.5}, ...]}

"send" types text (use "\r" for Enter); "interrupt" types Ctrl+C (the terminal turns it into SIGINT
for the foreground process group, exactly as for a person); "expect" waits until the screen output
since the previous expect matches the regular expression (escape sequences removed). The result has
the transcript, and for each expect the seconds it waited and the seconds since the last interrupt.
A step that times out ends the session (the program is killed) with "failed" naming the step.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]|\r")


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    env = dict(os.environ)
    env.update({k: v for k, v in spec.get("env", {}).items() if v is not None})
    env.setdefault("TERM", "xterm-256color")
    cols, rows = spec.get("cols", 160), spec.get("rows", 50)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(spec.get("cwd") or os.getcwd())
        import fcntl, struct, termios
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execvpe(spec["command"][0], spec["command"], env)
    import fcntl, struct, termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    raw = bytearray()
    consumed = 0  # screen text already matched by an earlier expect
    events = []
    last_interrupt = None
    failed = None

    def pump(timeout):
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            raw.extend(data)
        return True

    def screen():
        return ANSI.sub("", raw.decode("utf-8", errors="replace"))

    alive = True
    for index, step in enumerate(spec["steps"]):
        if "send" in step:
            os.write(fd, step["send"].encode("utf-8"))
        elif step.get("interrupt"):
            os.write(fd, b"\x03")
            last_interrupt = time.monotonic()
        elif "sleep" in step:
            end = time.monotonic() + step["sleep"]
            while alive and time.monotonic() < end:
                alive = pump(max(0.0, end - time.monotonic()))
        elif "expect" in step:
            pattern = re.compile(step["expect"], re.S)
            started = time.monotonic()
            deadline = started + step.get("timeout", 60)
            match = None
            while True:
                text = screen()
                match = pattern.search(text, consumed)
                if match or not alive or time.monotonic() > deadline:
                    break
                alive = pump(min(0.05, max(0.0, deadline - time.monotonic())))
            now = time.monotonic()
            event = {"step": index, "expect": step["expect"], "matched": bool(match), "waited": round(now - started, 3),
                     "sinceInterrupt": None if last_interrupt is None else round(now - last_interrupt, 3)}
            events.append(event)
            if not match:
                failed = f"step {index}: '{step['expect']}' did not appear within {step.get('timeout', 60)} s"
                break
            consumed = match.end()
    # Let the program finish what it prints, then end it if it is still there.
    end = time.monotonic() + spec.get("linger", 0.5)
    while alive and time.monotonic() < end:
        alive = pump(0.05)
    exit_code = None
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        else:
            exit_code = os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        pass
    print(json.dumps({"failed": failed, "events": events, "exitCode": exit_code, "transcript": screen()}))


if __name__ == "__main__":
    main()
