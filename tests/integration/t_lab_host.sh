# The same world on the host's loopback (--no-netns), as in a container
# without namespace privileges.
MODE=--no-netns
. "$(dirname "$0")/t_lab_netns.sh"
