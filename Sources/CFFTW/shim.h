#ifndef ATTUNE_CFFTW_SHIM_H
#define ATTUNE_CFFTW_SHIM_H
#include <fftw3.h>
#endif
