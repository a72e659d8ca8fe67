#!/bin/sh
# A stand-in for transitd in the lab tests: writes the ready file it is given
# (transitlab up --daemon-cmd ".../stub-daemon.sh {ready}"), then idles like a
# daemon until it is killed.  It runs inside the node's namespace.
ready=${1:?ready file}
echo "stub daemon in netns inode $(stat -L -c %i /proc/self/ns/net)"
: >"$ready"
exec sleep infinity
