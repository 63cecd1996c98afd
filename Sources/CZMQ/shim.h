// libzmq (Debian: libzmq3-dev), loaded when the Jupyter kernel starts rather than linked:
// every library linked into rslab lengthens each symbol lookup at start-up, and libzmq
// brings sodium, pgm, norm and Kerberos with it. The header gives the types and
// constants; `rslab_zmq_load` fills a table of the functions the kernel calls. Each
// entry's type is checked against the header's declaration at compile time.
#include <zmq.h>
#include "../CDynamicLoad/load_function.h"

typedef struct {
  void *(*ctx_new)(void);
  void *(*socket)(void *, int);
  int (*setsockopt)(void *, int, const void *, size_t);
  int (*bind)(void *, const char *);
  int (*close)(void *);
  int (*send)(void *, const void *, size_t, int);
  int (*poll)(zmq_pollitem_t *, int, long);
  int (*msg_init)(zmq_msg_t *);
  int (*msg_close)(zmq_msg_t *);
  int (*msg_recv)(zmq_msg_t *, void *, int);
  size_t (*msg_size)(const zmq_msg_t *);
  void *(*msg_data)(zmq_msg_t *);
  int (*msg_more)(const zmq_msg_t *);
  int (*proxy)(void *, void *, void *);
  int (*errno_)(void);
  const char *(*strerror)(int);
} rslab_zmq_api;

/// Opens libzmq.so.5 and fills `api`; returns NULL, or the loader's message.
static inline const char *rslab_zmq_load(rslab_zmq_api *api) {
  void *library = dlopen("libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!library) return dlerror();
  RSLAB_LOAD_FUNCTION(api, ctx_new, library, zmq_ctx_new)
  RSLAB_LOAD_FUNCTION(api, socket, library, zmq_socket)
  RSLAB_LOAD_FUNCTION(api, setsockopt, library, zmq_setsockopt)
  RSLAB_LOAD_FUNCTION(api, bind, library, zmq_bind)
  RSLAB_LOAD_FUNCTION(api, close, library, zmq_close)
  RSLAB_LOAD_FUNCTION(api, send, library, zmq_send)
  RSLAB_LOAD_FUNCTION(api, poll, library, zmq_poll)
  RSLAB_LOAD_FUNCTION(api, msg_init, library, zmq_msg_init)
  RSLAB_LOAD_FUNCTION(api, msg_close, library, zmq_msg_close)
  RSLAB_LOAD_FUNCTION(api, msg_recv, library, zmq_msg_recv)
  RSLAB_LOAD_FUNCTION(api, msg_size, library, zmq_msg_size)
  RSLAB_LOAD_FUNCTION(api, msg_data, library, zmq_msg_data)
  RSLAB_LOAD_FUNCTION(api, msg_more, library, zmq_msg_more)
  RSLAB_LOAD_FUNCTION(api, proxy, library, zmq_proxy)
  RSLAB_LOAD_FUNCTION(api, errno_, library, zmq_errno)
  RSLAB_LOAD_FUNCTION(api, strerror, library, zmq_strerror)
  return 0;
}
