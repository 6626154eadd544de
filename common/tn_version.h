/* common/tn_version.h — the one place the version is written. */
#ifndef TN_VERSION_H
#define TN_VERSION_H
#define TENSIM_VERSION "0.1.0"
#endif
