#ifndef ATTUNE_CSNDFILE_SHIM_H
#define ATTUNE_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
