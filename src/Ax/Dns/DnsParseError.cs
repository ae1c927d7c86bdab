namespace Ax.Dns;

/// <summary>Why a DNS message could not be read; the server drops or FORMERRs such messages, never throws.</summary>
internal enum DnsParseError
{
    None,

    /// <summary>The message ends inside the header, a name or a fixed field.</summary>
    Truncated,

    /// <summary>A compression pointer does not point strictly before the previous one (a loop, or a forward jump).</summary>
    BadPointer,

    /// <summary>The name is longer than the 255 bytes RFC 1035 section 2.3.4 allows.</summary>
    NameTooLong,

    /// <summary>A label length byte uses the reserved 01 or 10 prefixes (RFC 6891 section 5 retired them).</summary>
    BadLabelType,

    /// <summary>The header's QR bit says this is a response, not a query.</summary>
    NotAQuery,

    /// <summary>QDCOUNT is not 1 (RFC 9619: a query carries exactly one question).</summary>
    NotOneQuestion,
}
