import HTTPCore
import Testing

@Suite("HTTP dates", .timeLimit(.minutes(1)))
struct HTTPDateTests {
    /// 2025-06-15 12:00:00 GMT: the fixed "now" against which two-digit years are read.
    static let now: Int64 = 1_749_988_800

    @Test("The RFC 9110 example parses in all three forms", arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",   // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  // obsolete RFC 850
        "Sun Nov  6 08:49:37 1994",        // asctime
    ])
    func rfcExample(_ text: String) {
        #expect(HTTPDate.parse(text, now: Self.now) == 784_111_777)
    }

    @Test("Parsing without a given now uses the current time")
    func parseWithCurrentTime() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
    }

    @Test("A substring parses like a string")
    func substring() {
        let field = "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(HTTPDate.parse(field.dropFirst("Last-Modified: ".count)) == 784_111_777)
    }

    @Test("Formatting writes an IMF-fixdate", arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
    ])
    func format(_ seconds: Int64, _ expected: String) {
        #expect(HTTPDate.format(secondsSinceEpoch: seconds) == expected)
    }

    @Test("Formatting then parsing gives back the same time", arguments: [
        Int64(0),          // the epoch
        -1,                // 1969-12-31 23:59:59
        784_111_777,       // the RFC example
        946_598_400,       // 1999-12-31
        946_684_800,       // 2000-01-01
        951_782_400,       // 2000-02-29 00:00:00: 2000 is a leap year (divisible by 400)
        951_868_799,       // 2000-02-29 23:59:59
        1_709_208_000,     // 2024-02-29 12:00:00
        -2_203_891_201,    // 1900-02-28 23:59:59: 1900 is not a leap year
        -11_670_998_400,   // 1600-02-29
        2_147_483_647,     // 2038-01-19 03:14:07, the last second of a signed 32-bit time_t
        2_147_483_648,     // one second later
        4_107_542_399,     // 2100-02-28 23:59:59: 2100 is not a leap year
        4_107_542_400,     // 2100-03-01
        253_402_300_799,   // 9999-12-31 23:59:59, the last four-digit year
    ])
    func roundTrip(_ seconds: Int64) {
        let formatted = HTTPDate.format(secondsSinceEpoch: seconds)
        #expect(HTTPDate.parse(formatted, now: Self.now) == seconds, "\(formatted)")
    }

    @Test("A two-digit year more than 50 years ahead is in the past century", arguments: [
        ("Sunday, 15-Jun-25 12:00:00 GMT", Int64(1_749_988_800)),  // 2025: now
        ("Thursday, 31-Dec-99 00:00:00 GMT", 946_598_400),         // 1999
        ("Saturday, 01-Jan-00 00:00:00 GMT", 946_684_800),         // 2000
        ("Saturday, 15-Jun-75 12:00:00 GMT", 3_327_825_600),       // 2075: exactly 50 years ahead
        ("Sunday, 15-Jun-75 12:00:01 GMT", 172_065_601),           // 1975: 2075 would be one second too far
    ])
    func twoDigitYear(_ text: String, _ expected: Int64) {
        #expect(HTTPDate.parse(text, now: Self.now) == expected)
    }

    @Test("A leap second counts as the first second of the next minute")
    func leapSecond() {
        #expect(HTTPDate.parse("Wed, 31 Dec 2008 23:59:60 GMT", now: Self.now) == 1_230_768_000)
    }

    @Test("The day name must be valid but need not match the date")
    func dayNameNotChecked() {
        #expect(HTTPDate.parse("Mon, 06 Nov 1994 08:49:37 GMT", now: Self.now) == 784_111_777)
    }

    @Test("An asctime day of the month may be written with two digits")
    func asctimeTwoDigitDay() {
        #expect(HTTPDate.parse("Sun Nov 06 08:49:37 1994", now: Self.now) == 784_111_777)
        #expect(HTTPDate.parse("Wed Nov 16 08:49:37 1994", now: Self.now) == 784_975_777)
    }

    @Test("Anything but a well-formed date in range is rejected", arguments: [
        "",
        "Sun",
        "784111777",
        "1994-11-06T08:49:37Z",
        " Sun, 06 Nov 1994 08:49:37 GMT",    // whitespace around the date
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 08:49:37 GMTX",    // trailing garbage
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",     // the zone must be GMT, case-sensitively
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37",
        "Xyz, 06 Nov 1994 08:49:37 GMT",     // unknown or wrongly cased names
        "sun, 06 Nov 1994 08:49:37 GMT",
        "SUN, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nox 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
        "Sunda, 06-Nov-94 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",      // the wrong separator after the day name
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sunday, 06 Nov 1994 08:49:37 GMT",  // a long day name with the IMF-fixdate layout
        "Sun, 06-Nov-94 08:49:37 GMT",       // a short day name with the RFC 850 layout
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",      // wrong digit counts
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 01994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:7 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun, 06 Nov +994 08:49:37 GMT",     // signs and non-ASCII digits
        "Sun, -6 Nov 1994 08:49:37 GMT",
        "Sun, \u{FF10}6 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",     // fields out of range
        "Mon, 31 Apr 1995 08:49:37 GMT",
        "Tue, 29 Feb 1994 08:49:37 GMT",
        "Thu, 29 Feb 1900 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:37 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sunday, 31-Nov-94 08:49:37 GMT",
        "Sun Feb 30 08:49:37 1994",
    ])
    func invalid(_ text: String) {
        #expect(HTTPDate.parse(text, now: Self.now) == nil)
    }
}
