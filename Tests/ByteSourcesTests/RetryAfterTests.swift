import ByteKit
import Foundation
import Testing
import TestSupport

@testable import ByteSources

/// `Retry-After` (RFC 9110, 10.2.3) and HTTP-dates (5.6.7), and how they lengthen a retry's wait.
@Suite struct RetryAfterTests {
    /// 1994-11-06 08:49:37 UTC, RFC 9110's example date.
    static let example = Date(timeIntervalSince1970: 784_111_777)

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
        "  Sun, 06 Nov 1994 08:49:37 GMT ", "Sun Nov 06 08:49:37 1994", "sun, 06 nov 1994 08:49:37 GMT",
    ])
    func theThreeHTTPDateFormsParseToTheSameInstant(text: String) {
        #expect(HTTPDate.parse(text, now: Self.example) == Self.example)
    }

    @Test(arguments: [
        "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 19945 08:49:37 GMT",
        "Sun, 006 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z", "tomorrow",
    ])
    func malformedDatesAreRefused(text: String) {
        #expect(HTTPDate.parse(text, now: Self.example) == nil)
    }

    @Test func aTwoDigitYearMoreThanFiftyYearsAheadIsInThePastCentury() throws {
        let in2026 = Date(timeIntervalSince1970: 1_795_000_000)
        let past = try #require(HTTPDate.parse("Friday, 01-Jan-99 00:00:00 GMT", now: in2026))
        #expect(past == Date(timeIntervalSince1970: 915_148_800))
        let ahead = try #require(HTTPDate.parse("Tuesday, 01-Jan-70 00:00:00 GMT", now: in2026))
        #expect(ahead == Date(timeIntervalSince1970: 3_155_760_000))
    }

    @Test(arguments: [("0", 0), ("1", 1), ("120", 120), (" 7 ", 7), ("99999999", 86_400),
                      ("123456789012345678901234567890", 86_400)])
    func delaySecondsAreSecondsUpToADay(text: String, seconds: Int) {
        #expect(RetryAfter(headerValue: text, now: Self.example)?.delay == .seconds(seconds))
    }

    @Test(arguments: ["-1", "1.5", "1s", "0x10", "soon"])
    func otherValuesAreNotRetryAfter(text: String) {
        #expect(RetryAfter(headerValue: text, now: Self.example) == nil)
    }

    @Test func aDateIsMeasuredFromNowAndAPastOneMeansNoWait() {
        let twoMinutesLater = "Sun, 06 Nov 1994 08:51:37 GMT"
        #expect(RetryAfter(headerValue: twoMinutesLater, now: Self.example)?.delay == .seconds(120))
        #expect(RetryAfter(headerValue: "Sun, 06 Nov 1994 08:49:00 GMT", now: Self.example)?.delay == .zero)
    }

    @Test func theServersWaitLengthensTheBackoffButNeverPastItsCap() {
        let wait = { (backoff: Duration, asked: Duration?) in
            RangeFetcher.retryDelay(backoff: backoff, serverAsked: asked, maximum: .seconds(10))
        }
        #expect(wait(.milliseconds(300), nil) == .milliseconds(300))
        #expect(wait(.milliseconds(300), .seconds(1)) == .seconds(1))
        #expect(wait(.seconds(2), .zero) == .seconds(2))
        #expect(wait(.milliseconds(300), .seconds(3600)) == .seconds(10))
    }

    @Test func onlyA429OrA503AsksForAWaitAndADateCountsFromTheAnswersDate() {
        var outcome = TransferOutcome()
        outcome.headers = ["retry-after": "Sun, 06 Nov 1994 08:49:40 GMT", "date": "Sun, 06 Nov 1994 08:49:37 GMT"]
        for status in [429, 503] {
            outcome.status = status
            #expect(RangeFetcher.retryAfter(outcome) == .seconds(3))
        }
        for status in [500, 502, 504, 408, 200] {
            outcome.status = status
            #expect(RangeFetcher.retryAfter(outcome) == nil)
        }
    }
}

/// Retry-After as `HTTPSource` meets it from `range_server.py` (`waitNx1`: one 503 asking for N s).
@Suite struct RetryAfterServedTests {
    static func options(deadline: Duration) -> HTTPSource.Options {
        var options = HTTPSourceTests.quickOptions
        options.maximumBackoff = .seconds(120)
        options.readDeadline = deadline
        return options
    }

    @Test func aRetryAfterWithinTheDeadlineIsWaitedOut() async throws {
        try await RangeServer.with { server in
            let bytes = HTTPSourceTests.contents(count: 1000)
            let started = ContinuousClock.now
            let source = try await HTTPSourceTests.open(
                server, "wait.bin", bytes, fault: "wait1x1", options: Self.options(deadline: .seconds(30)))
            // The backoff alone would have waited at most 1 ms.
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(source.statistics.retries == 1)
            #expect(try await source.read([ByteRange(offset: 0, length: 1000)])[0].array == bytes)
        }
    }

    @Test func aRetryAfterPastTheDeadlineFailsAtOnceRatherThanWait() async throws {
        try await RangeServer.with { server in
            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPSourceError.self) {
                _ = try await HTTPSourceTests.open(
                    server, "late.bin", HTTPSourceTests.contents(count: 1000), fault: "wait60x1",
                    options: Self.options(deadline: .seconds(30)))
            }
            // Waiting the 60 s asked would end past the 30 s deadline: no wait at all. (Seconds of
            // slack: beside CPU-bound suites, resuming after the one request can take seconds.)
            #expect(ContinuousClock.now - started < .seconds(20))
            guard case .deadlineExceeded(_, _, .unexpectedStatus(_, 503, _)) = error else {
                Issue.record("expected deadlineExceeded after a 503, got \(String(describing: error))")
                return
            }
        }
    }
}
