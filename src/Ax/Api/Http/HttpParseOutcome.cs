namespace Ax.Api.Http;

/// <summary>What <see cref="HttpRequestParser"/> made of the bytes it has so far.</summary>
internal enum HttpParseOutcome
{
    /// <summary>No error yet, but the head has not ended: read more.</summary>
    Incomplete,

    /// <summary>A whole, valid request head.</summary>
    Complete,

    /// <summary>The request cannot be served; answer with the result's status and sentence, then close.</summary>
    Invalid,
}
