import Foundation

/// A `Retry-After` header (RFC 9110, 10.2.3): how long a server asks a client to wait before trying
/// again, as delay-seconds (`120`) or an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`). Sent with 429
/// and 503 by throttling front ends (CDNs, S3-compatible stores, some archives' gateways).
struct RetryAfter: Equatable, Sendable {
    /// The wait asked for, counted from the answer; zero for a date already past.
    var delay: Duration

    /// Longer waits are kept as this long: far beyond any retry's backoff cap.
    static let longest: Duration = .seconds(86_400)

    /// Parses a header's value. A date is measured from `now`, which should be the answer's own
    /// `Date` header when it has one (so that the two clocks' skew does not count). Nil when the
    /// value is neither form.
    init?(headerValue: String, now: Date) {
        let value = headerValue.trimmingWhitespace()
        if !value.isEmpty, value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            // Past 18 digits the number cannot be held, and is far past `longest` anyway.
            let seconds = value.count > 18 ? Int64.max : Int64(value) ?? Int64.max
            delay = min(.seconds(seconds), Self.longest)
        } else if let date = HTTPDate.parse(value) {
            let seconds = date.timeIntervalSince(now)
            delay = seconds <= 0 ? .zero : min(.seconds(seconds), Self.longest)
        } else {
            return nil
        }
    }
}

/// HTTP's date formats (RFC 9110, 5.6.7): IMF-fixdate, which senders use, and the obsolete RFC 850
/// and asctime forms, which recipients must still accept. Day names are not checked (RFC 9110 lets
/// a recipient ignore them); everything is UTC.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` or `Sun Nov  6 08:49:37 1994`.
    static func parse(_ text: String, now: Date = Date()) -> Date? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        let day: String, month: String, year: String, time: String
        switch fields.count {
        case 6 where fields[5] == "GMT":
            (day, month, year, time) = (fields[1], fields[2], fields[3], fields[4])
        case 5:
            (month, day, time, year) = (fields[1], fields[2], fields[3], fields[4])
        default:
            return nil
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard let monthIndex = months.firstIndex(of: month.lowercased()), clock.count == 3,
            clock.allSatisfy({ $0.count == 2 }), year.count == 2 || year.count == 4, (1...2).contains(day.count),
            let dayNumber = Int(day), let yearNumber = Int(year),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (1...31).contains(dayNumber), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        var fullYear = yearNumber
        if year.count == 2 {
            // RFC 9110: a two-digit year more than 50 years ahead is the last such year in the past.
            let thisYear = calendar.component(.year, from: now)
            fullYear = thisYear / 100 * 100 + yearNumber
            if fullYear > thisYear + 50 { fullYear -= 100 }
        }
        let components = DateComponents(
            year: fullYear, month: monthIndex + 1, day: dayNumber, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == dayNumber  // 31 Feb does not roll into March
        else { return nil }
        return date
    }
}
