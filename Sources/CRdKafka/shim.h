// librdkafka's C API for KappaClient; the system library target links -lrdkafka through pkg-config.
#ifndef KAPPA_CRDKAFKA_SHIM_H
#define KAPPA_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

#endif
