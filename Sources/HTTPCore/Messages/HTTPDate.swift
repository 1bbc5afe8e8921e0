#if canImport(Glibc)
import Glibc
#endif

/// HTTP dates (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, always in GMT.
///
/// `format` writes the IMF-fixdate that senders must use; `parse` reads the three forms that
/// recipients must accept, strictly: exact (case-sensitive) names, every field in range and
/// nothing before or after the date.
public enum HTTPDate {
    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The IMF-fixdate for `secondsSinceEpoch`, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(secondsSinceEpoch: Int64) -> String {
        var time = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(dayNames[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(monthNames[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }

    /// The seconds since the epoch that an HTTP date names, or `nil` if it is not one.
    ///
    /// Accepts the three formats RFC 9110 §5.6.7 requires recipients to read: IMF-fixdate,
    /// the obsolete RFC 850 form and asctime. A two-digit RFC 850 year is read relative to the
    /// current time.
    public static func parse(_ string: some StringProtocol) -> Int64? {
        parse(string, now: Int64(time(nil)))
    }

    /// The seconds since the epoch that an HTTP date names, reading a two-digit year relative to `now`.
    ///
    /// `string` is a field value, so it has no surrounding whitespace (RFC 9110 §5.5). The day
    /// name must be a valid one but is not checked against the date: it is redundant, and
    /// RFC 9110 §5.6.7 encourages recipients to be robust when parsing timestamps.
    public static func parse(_ string: some StringProtocol, now: Int64) -> Int64? {
        var input = Cursor(string)
        let dayName = input.word()
        let date: DateTime? =
            if dayNames.contains(dayName), input.skip(", ") {
                readIMFFixdate(&input)
            } else if dayNames.contains(dayName), input.skip(" ") {
                readAsctimeDate(&input)
            } else if longDayNames.contains(dayName), input.skip(", ") {
                readRFC850Date(&input, now: now)
            } else {
                nil
            }
        guard let date, input.isAtEnd else { return nil }
        return date.secondsSinceEpoch
    }

    private static func twoDigits(_ value: Int32) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    // MARK: - The three forms, after the day name and its separator

    /// Reads `06 Nov 1994 08:49:37 GMT` after `Sun, `: the IMF-fixdate (RFC 9110 §5.6.7).
    private static func readIMFFixdate(_ input: inout Cursor) -> DateTime? {
        guard let day = input.number(digits: 2),
              input.skip(" "), let month = input.month(),
              input.skip(" "), let year = input.number(digits: 4),
              input.skip(" "), let time = input.timeOfDay(),
              input.skip(" GMT")
        else { return nil }
        return DateTime(year: year, month: month, day: day, time: time)
    }

    /// Reads `06-Nov-94 08:49:37 GMT` after `Sunday, `: the obsolete RFC 850 form (RFC 9110 §5.6.7).
    private static func readRFC850Date(_ input: inout Cursor, now: Int64) -> DateTime? {
        guard let day = input.number(digits: 2),
              input.skip("-"), let month = input.month(),
              input.skip("-"), let twoDigitYear = input.number(digits: 2),
              input.skip(" "), let time = input.timeOfDay(),
              input.skip(" GMT")
        else { return nil }
        var date = DateTime(year: 0, month: month, day: day, time: time)
        date.year = date.fullYear(twoDigitYear, now: DateTime(secondsSinceEpoch: now))
        return date
    }

    /// Reads `Nov  6 08:49:37 1994` after `Sun `: C's asctime() form (RFC 9110 §5.6.7).
    private static func readAsctimeDate(_ input: inout Cursor) -> DateTime? {
        // RFC 9110 §5.6.7: the day of the month is two digits, or a space and one digit.
        guard let month = input.month(),
              input.skip(" "), let day = input.skip(" ") ? input.number(digits: 1) : input.number(digits: 2),
              input.skip(" "), let time = input.timeOfDay(),
              input.skip(" "), let year = input.number(digits: 4)
        else { return nil }
        return DateTime(year: year, month: month, day: day, time: time)
    }

    // MARK: - Calendar arithmetic

    /// A proleptic Gregorian date and time of day in GMT, as written; not necessarily valid.
    private struct DateTime {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int

        init(year: Int, month: Int, day: Int, time: (hour: Int, minute: Int, second: Int)) {
            self.year = year
            self.month = month
            self.day = day
            (hour, minute, second) = time
        }

        init(secondsSinceEpoch: Int64) {
            var time = time_t(secondsSinceEpoch)
            var parts = tm()
            gmtime_r(&time, &parts)
            self.init(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                      time: (Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)))
        }

        /// The seconds since the epoch, or `nil` if a field is out of range (such as 29 February 1900).
        var secondsSinceEpoch: Int64? {
            // RFC 9110 §5.6.7: a second of 60 is a leap second. POSIX time has none, so
            // 23:59:60 counts as the next day's 00:00:00, as timegm() does.
            guard (1...12).contains(month), (1...daysInMonth).contains(day),
                  (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
            else { return nil }
            return Int64(daysSinceEpoch) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        }

        /// The full year that a two-digit RFC 850 year stands for, for this date seen at `now`.
        func fullYear(_ twoDigitYear: Int, now: DateTime) -> Int {
            // RFC 9110 §5.6.7: a timestamp that appears to be more than 50 years in the future
            // is in the most recent past year with the same last two digits.
            let limit = now.year + 50
            let year = limit - (limit - twoDigitYear) % 100  // the latest year with these digits up to `limit`
            let isBeyondLimit = year == limit
                && (month, day, hour, minute, second) > (now.month, now.day, now.hour, now.minute, now.second)
            return isBeyondLimit ? year - 100 : year
        }

        private var daysInMonth: Int {
            switch month {
            case 2: isLeapYear ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        private var isLeapYear: Bool {
            year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        }

        /// Days from 1970-01-01 to this date: Howard Hinnant's `days_from_civil`, which counts in
        /// 400-year eras starting on 1 March so that the leap day is the last day of a year.
        private var daysSinceEpoch: Int {
            let marchYear = month <= 2 ? year - 1 : year
            let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
            let yearOfEra = marchYear - era * 400                                 // 0...399
            let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1          // 0...365, from 1 March
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // 0...146096
            return era * 146_097 + dayOfEra - 719_468
        }
    }

    // MARK: - Reading the bytes

    /// A read position in the bytes of a date, with the few matchers the three forms need.
    private struct Cursor {
        private let bytes: [UInt8]
        private var index = 0

        init(_ string: some StringProtocol) {
            bytes = Array(string.utf8)
        }

        var isAtEnd: Bool { index == bytes.count }

        /// Skips `literal` if the input continues with it, and says whether it did.
        mutating func skip(_ literal: String) -> Bool {
            guard bytes[index...].starts(with: literal.utf8) else { return false }
            index += literal.utf8.count
            return true
        }

        /// Reads the run of ASCII letters at the read position, possibly empty.
        mutating func word() -> String {
            let start = index
            while index < bytes.count, Self.isASCIILetter(bytes[index]) {
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// Reads a month name and returns its number, 1 for `Jan` to 12 for `Dec`.
        mutating func month() -> Int? {
            monthNames.firstIndex(of: word()).map { $0 + 1 }
        }

        /// Reads exactly `count` ASCII digits and returns their value.
        mutating func number(digits count: Int) -> Int? {
            guard bytes.count - index >= count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        private static func isASCIILetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }

        /// Reads `08:49:37`.
        mutating func timeOfDay() -> (hour: Int, minute: Int, second: Int)? {
            guard let hour = number(digits: 2), skip(":"),
                  let minute = number(digits: 2), skip(":"),
                  let second = number(digits: 2)
            else { return nil }
            return (hour, minute, second)
        }
    }
}
