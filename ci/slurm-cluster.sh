#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for tests/slurm_cluster.rs: munged,
# slurmctld and slurmd as plain processes (no systemd), all state, logs,
# sockets and the munge key under one folder, on their own ports, so that it
# neither needs nor disturbs a system Slurm or munge, nor another such cluster.
#
#   ci/slurm-cluster.sh install      apt-get install slurm-wlm munge (root)
#   ci/slurm-cluster.sh up DIR       start; wait until sinfo shows the node idle
#   ci/slurm-cluster.sh down DIR     cancel jobs, stop the daemons (always safe)
#
# After `up`, clients use it with SLURM_CONF=DIR/slurm.conf.
# Needs root (slurmd starts job steps as the submitting user).
set -euo pipefail

cmd=${1:?usage: slurm-cluster.sh install|up DIR|down DIR}

if [ "$cmd" = install ]; then
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null; then
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The packages' install scripts must not start system daemons (an
  # init-less container has none to start, and up runs its own): deny
  # service starts for the install, as Debian's container images do.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update
  apt-get install -y --no-install-recommends slurm-wlm munge
  exit 0
fi

dir=${2:?usage: slurm-cluster.sh up|down DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
export SLURM_CONF=$dir/slurm.conf

# Stops a daemon by the pid in its pid file (only that process), waiting
# up to 10 s before SIGKILL.
stop_pid() {
  local f=$1 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  rm -f "$f"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

if [ "$cmd" = down ]; then
  if [ -s "$dir/slurmctld.pid" ] && [ -f "$SLURM_CONF" ]; then
    # Jobs first, so that no slurmstepd outlives its slurmd.
    scancel --full --quiet "--user=$(id -un)" 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(squeue --noheader --user="$(id -un)" 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munged.pid"
  exit 0
fi

[ "$cmd" = up ] || { echo "slurm-cluster.sh: unknown command $cmd" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "slurm-cluster.sh: needs root" >&2; exit 1; }
for tool in munged slurmctld slurmd sinfo sbatch scontrol squeue; do
  command -v "$tool" >/dev/null || { echo "slurm-cluster.sh: $tool not installed" >&2; exit 1; }
done
# A cluster left running from an earlier run of this folder goes first.
"$0" down "$dir"

rm -rf "$dir/state" "$dir/spool" "$dir/munge" "$dir/jobcomp.log"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 0755 "$dir" "$dir/munge"

# The node name is what slurmd finds as the short host name; its address is
# localhost, so name resolution does not matter.
host=$(hostname -s 2>/dev/null || hostname)
host=${host%%.*}
[ -n "$host" ] || host=localhost
# Ports: a pair picked from the folder's name, so that clusters of several
# checkouts on one machine (tests running in parallel) do not meet, moved on
# while either port already answers.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${SMIMESCAN_SLURM_PORT:-}" ]; then
  port=$SMIMESCAN_SLURM_PORT
else
  port=$((20000 + ($(printf %s "$dir" | cksum | cut -d' ' -f1) % 5000) * 2))
  for _ in $(seq 50); do
    in_use "$port" || in_use $((port + 1)) || break
    port=$((port + 2))
  done
fi

# munge: own key, socket, pid, log and seed files.
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$dir/munge/munge.key" --force
else # munge before 0.5.14 has no mungekey
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 0600 "$dir/munge/munge.key"
munged --force \
  --socket="$dir/munge/munge.socket" \
  --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" \
  --seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/daemons.out" 2>&1

cat >"$SLURM_CONF" <<EOF
# One node, two CPUs, everything local; written by ci/slurm-cluster.sh.
ClusterName=smimescan-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# No cgroups (containers often have none usable) and no MPI.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
# No slurmdbd: sacct reads the job completion log (sacct --completion).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# The node is what this file says (2 CPUs), whatever the machine has.
SlurmdParameters=config_overrides
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=4096 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# Their output goes to a file, not to whoever started this script.
slurmctld -i </dev/null >>"$dir/daemons.out" 2>&1
slurmd -N "$host" </dev/null >>"$dir/daemons.out" 2>&1

# Wait until the node is idle (up to 60 s).
for _ in $(seq 300); do
  state=$(sinfo --noheader --nodes="$host" --format=%t 2>/dev/null || true)
  if [ "$state" = idle ]; then
    sinfo
    exit 0
  fi
  sleep 0.2
done
echo "slurm-cluster.sh: node $host not idle after 60 s (state: ${state:-none})" >&2
for f in munged slurmctld slurmd daemons; do
  for log in "$dir/$f.log" "$dir/$f.out"; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
  done
done
"$0" down "$dir"
exit 1
