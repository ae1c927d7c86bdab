namespace Ax.Dns;

/// <summary>RCODE values the server sends (RFC 1035 section 4.1.1).</summary>
internal enum DnsResponseCode
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
}
