# The same world on the host's loopback (--no-netns), as in a container
# without namespace privileges.
# test-group: host-loopback (a lab with --no-netns: tests/integration/run never
# runs two such scripts at once)
MODE=--no-netns
. "$(dirname "$0")/t_lab_netns.sh"
