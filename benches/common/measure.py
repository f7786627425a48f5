"""Runs one command and prints its wall time, CPU time and peak heap.

    python3 benches/common/measure.py STDERR_FILE CMD [ARGS...]

prints `rc=… secs=… cpu=… rssanon_kb=…`: wall clock from start to exit
(the runner waits on a pidfd, so the end is taken when the process exits,
not at the next sample), CPU = user + sys of the process and of the
children it waited for (a shell loop's openssl processes included), and
the peak RssAnon (anonymous resident memory: the heap, not the mapped
input) of the process, sampled every 50 ms from /proc/PID/status — the
same measurement as benches/compare.sh.
"""
import os
import select
import subprocess
import sys
import time


def rss_anon(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


err = open(sys.argv[1], "wb")
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stderr=err)
fd = os.pidfd_open(p.pid)
poll = select.poll()
poll.register(fd, select.POLLIN)
peak = 0
while not poll.poll(50):
    peak = max(peak, rss_anon(p.pid))
_, status, ru = os.wait4(p.pid, 0)
secs = time.perf_counter() - t
rc = os.waitstatus_to_exitcode(status)
cpu = ru.ru_utime + ru.ru_stime
print(f"rc={rc} secs={secs:.6f} cpu={cpu:.6f} rssanon_kb={peak}")
