/// When an object was last modified, in seconds since 1970-01-01 00:00:00 UTC
/// (HDF5 File Format Specification 4.0, IV.A.2.s, Object Modification Time Message, type 0x0012,
/// and IV.A.2.o, Object Modification Time (Old) Message, type 0x000E).
///
/// Object modification time (old), type 0x000E:
///
/// ```text
/// year      4   ASCII digits
/// month     2   ASCII digits, 01 to 12
/// day       2   ASCII digits, 01 to 31
/// hour      2   ASCII digits, 00 to 23
/// minute    2   ASCII digits, 00 to 59
/// second    2   ASCII digits, 00 to 59
/// reserved  2
/// ```
///
/// Object modification time, type 0x0012:
///
/// ```text
/// version                1   1
/// reserved               3
/// seconds after UNIX epoch 4
/// ```
public struct ObjectModificationTimeMessage: Sendable, Equatable {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    public let secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// Parses an object modification time message (type 0x0012).
    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(1...1)
        try cursor.skip(3)
        secondsSinceEpoch = Int64(try cursor.readUInt32())
    }

    /// Parses an old object modification time message (type 0x000E), whose date and time the
    /// library wrote in UTC.
    public init(parsingOld cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        let text = try cursor.readBytes(14).array
        try cursor.skip(2)
        var fields: [Int64] = []
        var position = 0
        for width in [4, 2, 2, 2, 2, 2] {
            var value: Int64 = 0
            for digit in text[position..<position + width] {
                guard (0x30...0x39).contains(digit) else {
                    throw HDF5Error.invalid(
                        structure: cursor.structure, offset: start,
                        reason: "modification time \"\(decodeText(text))\" is not YYYYMMDDhhmmss")
                }
                value = value * 10 + Int64(digit - 0x30)
            }
            fields.append(value)
            position += width
        }
        let (year, month, day, hour, minute, second) = (
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]
        )
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: start,
                reason: "modification time \"\(decodeText(text))\" is not a valid date and time")
        }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        secondsSinceEpoch = ((days * 24 + hour) * 60 + minute) * 60 + second
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`). The year has at most four digits, so nothing overflows.
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
