import AttuneBatch
import Testing

@Suite struct BatchProgressTests {
    @Test func progressLineShowsCountsAudioSpeedETAAndFailures() {
        var progress = BatchProgress(total: 200)
        progress.analyzed = 36
        progress.skipped = 3
        progress.failed = 1
        progress.audioSeconds = 2 * 3600  // 2 h of audio
        // 40 of 200 done in 10 s: 4 per second, 160 left: 40 s.
        let line = progress.line(elapsedSeconds: 10)
        #expect(line == "[ 40/200] 2.0 h audio, 720× real time, ETA 0:40, 3 already stored, 1 failed")
        progress.analyzed = 196
        #expect(progress.line(elapsedSeconds: 50) == "[200/200] 2.0 h audio, 144× real time, 3 already stored, 1 failed")
        #expect(progress.summary(elapsedSeconds: 3725) == "196 analysed, 3 already stored, 1 failed, of 200 call(s); 2.0 h audio in 1:02:05 (2× real time)")
    }
}
