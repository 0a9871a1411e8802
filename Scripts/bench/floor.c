/*
 * The C floor for an FFT-feature pipeline (PEERS.md, first row): decode with libsndfile, Hann
 * window, 256-point real FFT every 10 ms, frame energy, every channel. Nothing else.
 * Prints the number of frames and a checksum so the work cannot be optimised away.
 *
 *   cc -O2 floor.c -lsndfile -lfftw3f -lm -o floor && ./floor call.wav
 */
#include <fftw3.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor FILE\n"); return 2; }
    SF_INFO info; memset(&info, 0, sizeof info);
    SNDFILE *file = sf_open(argv[1], SFM_READ, &info);
    if (!file) { fprintf(stderr, "%s: %s\n", argv[1], sf_strerror(NULL)); return 1; }
    const int n = 256, hop = info.samplerate / 100, channels = info.channels;
    float *in = fftwf_alloc_real(n), window[256];
    fftwf_complex *out = fftwf_alloc_complex(n / 2 + 1);
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
    for (int i = 0; i < n; i++) window[i] = 0.5f - 0.5f * cosf(2 * (float)M_PI * i / n);
    float *history = calloc((size_t)n * channels, sizeof(float));
    float *chunk = malloc(sizeof(float) * hop * channels);
    long frames = 0; double checksum = 0;
    while (sf_readf_float(file, chunk, hop) == hop) {
        for (int c = 0; c < channels; c++) {
            float *h = history + (size_t)c * n;
            memmove(h, h + hop, sizeof(float) * (n - hop));
            for (int i = 0; i < hop; i++) h[n - hop + i] = chunk[i * channels + c];
            for (int i = 0; i < n; i++) in[i] = h[i] * window[i];
            fftwf_execute(plan);
            double energy = 0;
            for (int k = 0; k <= n / 2; k++) energy += out[k][0] * out[k][0] + out[k][1] * out[k][1];
            checksum += energy;
            frames++;
        }
    }
    printf("frames %ld checksum %.6g\n", frames, checksum);
    sf_close(file);
    return 0;
}
