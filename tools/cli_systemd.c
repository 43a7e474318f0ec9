/* cli_systemd.c - tells systemd how serve is doing, for a unit of Type=notify: ready once it
 * listens and dials, reloading on SIGHUP, stopping. The only file that includes libsystemd's
 * <systemd/sd-daemon.h>; without NOTIFY_SOCKET (not run by systemd) sd_notify does nothing. */
#include "tools/cli.h"

#include <systemd/sd-daemon.h>

void uccn_cli_notify(const char *state) {
	int rc = sd_notify(0, state);
	if (rc < 0) {
		/* systemd would wait for READY=1 and then kill us: worth a line. */
		uccn_log_errno(UCCN_LOG_WARN, -rc, "serve: telling systemd '%s'", state);
	}
}
