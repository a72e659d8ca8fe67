/*
 * ctl_server: the unix sockets of the control protocol, independent of any event
 * loop (docs/control-protocol.md; reliability.md 4.2, 6.6 C5).
 *
 * The owner's loop registers the descriptors the server reports (through the
 * callbacks, or by asking ctl_server_fds()) and calls ctl_server_handle() when one
 * is ready.  Readiness is expected level-triggered (epoll's default, poll): each
 * event does at most one read per client, which keeps one chatty client from
 * starving the others.
 */
#ifndef TRANSIT_CTL_SERVER_H
#define TRANSIT_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl/ctl_proto.h"

#define CTL_DEFAULT_MAX_CLIENTS	64
#define CTL_DEFAULT_MAX_OUTQ	(16u * 1024u * 1024u)

/* Events passed to ctl_server_handle (map EPOLLIN/POLLIN etc. onto these). */
#define CTL_EV_READ	0x1
#define CTL_EV_WRITE	0x2
#define CTL_EV_ERROR	0x4	/* HUP or ERR */

struct ctl_server_cb {
	/* A new descriptor to watch for events (CTL_EV_READ and/or CTL_EV_WRITE). */
	void	(*add_fd)(void *arg, int fd, uint32_t events);
	/* Change the interest of a watched descriptor (never 0: it is removed instead). */
	void	(*mod_fd)(void *arg, int fd, uint32_t events);
	/* Stop watching; called just before the server closes fd. */
	void	(*del_fd)(void *arg, int fd);
	void	*arg;
};

struct ctl_server_config {
	const char	*path;		/* main socket, mode 0660; required */
	const char	*ro_path;	/* read-only socket, mode 0666; NULL = none */
	gid_t		 gid;		/* group of the main socket; (gid_t)-1 = keep */
	size_t		 max_clients;	/* 0 = CTL_DEFAULT_MAX_CLIENTS */
	size_t		 max_outq;	/* 0 = CTL_DEFAULT_MAX_OUTQ */
};

/* One descriptor the loop must watch. */
struct ctl_fd {
	int		fd;
	uint32_t	events;	/* CTL_EV_READ | CTL_EV_WRITE */
};

struct ctl_server;

/*
 * Create the sockets (creating a missing parent directory with mode 0750), refusing
 * when a live daemon answers on a path and replacing a stale socket file.  The
 * listening descriptors are announced through cb->add_fd.  NULL with a message in
 * errbuf on failure; proto is borrowed.
 */
struct ctl_server *ctl_server_open(const struct ctl_server_config *,
	    struct ctl_proto *, const struct ctl_server_cb *, char *errbuf,
	    size_t errlen);
/* Close every client and listener (calling del_fd) and unlink the socket files. */
void	ctl_server_close(struct ctl_server *);

/* Every descriptor the server owns, listeners first; returns the total count
 * (entries beyond max are not written). */
size_t	ctl_server_fds(const struct ctl_server *, struct ctl_fd *, size_t max);
/* Process readiness of fd (a listener or a client).  Unknown fds are ignored. */
void	ctl_server_handle(struct ctl_server *, int fd, uint32_t events);
size_t	ctl_server_nclients(const struct ctl_server *);
/*
 * When accept() runs out of descriptors the listeners are unregistered (del_fd)
 * until a client leaves; a loop may also call this from a timer to retry sooner.
 * The listeners are then announced again through add_fd.
 */
void	ctl_server_resume_accept(struct ctl_server *);

/*
 * Check a socket path the way the server does before binding: 0 if free (a stale
 * socket file is removed), -1 with a message if a daemon answers there or the path
 * is not a socket.
 */
int	ctl_server_check_path(const char *path, char *errbuf, size_t errlen);

#endif
