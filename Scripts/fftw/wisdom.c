/*
 * Plans the engine's FFTs (512-point real forward, 256-point real inverse: AnalysisGrid.fftSize
 * and PitchEstimator.inverseSize) and prints FFTW's wisdom for them, or times the plans a wisdom
 * text gives. Used by Scripts/fftw/make-wisdom.sh, which writes Sources/AttuneFFT/FFTWisdom.swift.
 *
 *   wisdom measure            plan with FFTW_MEASURE, print the wisdom
 *   wisdom time FILE          import FILE's wisdom, plan with FFTW_ESTIMATE (as RealFFT does),
 *                             print the median ns per forward 512 + inverse 256 pair
 *   wisdom time -             the same without wisdom (FFTW_ESTIMATE's own plans)
 */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int compare(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "measure")) {
        float *real = fftwf_alloc_real(512);
        fftwf_complex *complex = fftwf_alloc_complex(257);
        fftwf_plan_dft_r2c_1d(512, real, complex, FFTW_MEASURE);
        fftwf_plan_dft_c2r_1d(256, complex, real, FFTW_MEASURE);
        fputs(fftwf_export_wisdom_to_string(), stdout);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "time")) {
        if (strcmp(argv[2], "-")) {
            FILE *file = fopen(argv[2], "r");
            if (!file) { perror(argv[2]); return 1; }
            static char text[1 << 16];
            size_t length = fread(text, 1, sizeof text - 1, file);
            text[length] = 0;
            fclose(file);
            if (!fftwf_import_wisdom_from_string(text)) { fprintf(stderr, "wisdom not accepted\n"); return 1; }
        }
        float *input = fftwf_alloc_real(512), *output = fftwf_alloc_real(512);
        fftwf_complex *spectrum = fftwf_alloc_complex(257);
        fftwf_plan forward = fftwf_plan_dft_r2c_1d(512, input, spectrum, FFTW_ESTIMATE);
        fftwf_plan inverse = fftwf_plan_dft_c2r_1d(256, spectrum, output, FFTW_ESTIMATE);
        for (int i = 0; i < 512; i++) input[i] = (float)rand() / RAND_MAX - 0.5f;
        double runs[15];
        for (int r = 0; r < 15; r++) {
            double start = now();
            for (int i = 0; i < 20000; i++) {
                input[i & 255] += 1e-6f;
                fftwf_execute_dft_r2c(forward, input, spectrum);
                fftwf_execute_dft_c2r(inverse, spectrum, output);
            }
            runs[r] = (now() - start) / 20000 * 1e9;
        }
        qsort(runs, 15, sizeof runs[0], compare);
        printf("%.0f\n", runs[7]);
        return 0;
    }
    fprintf(stderr, "usage: wisdom measure | wisdom time FILE\n");
    return 2;
}
