namespace Ax.Dns;

/// <summary>
/// Decides the answer to one query: names of ax apps and vservices ("web", "web.appswitch.local") get
/// their address, unknown names in the ax domain NXDOMAIN, everything else goes to the forwarders.
/// Pure and allocation-light, so the parser and the decision are tested without sockets.
/// </summary>
internal sealed class DnsResponder(DnsOptions options, IReadOnlyList<INameSource> sources)
{
    private readonly string _domainSuffix = "." + options.Domain;

    /// <summary>Decides; on <see cref="DnsDecision.Reply"/> the reply is in <paramref name="reply"/>[..<paramref name="replyLength"/>].</summary>
    internal DnsDecision Decide(ReadOnlySpan<byte> message, Span<byte> reply, out int replyLength, out DnsQuery? query)
    {
        replyLength = 0;
        query = null;
        if (!DnsHeader.TryRead(message, out DnsHeader header) || header.IsResponse)
        {
            return DnsDecision.Drop; // never answer a response: two servers must not echo each other forever
        }

        if (header.Opcode != 0)
        {
            replyLength = DnsResponseWriter.WriteHeaderOnly(header, DnsResponseCode.NotImp, reply);
            return DnsDecision.Reply;
        }

        if (DnsQuery.TryParse(message, out query) != DnsParseError.None)
        {
            replyLength = DnsResponseWriter.WriteHeaderOnly(header, DnsResponseCode.FormErr, reply);
            return DnsDecision.Reply;
        }

        string name = query!.Name;
        if (name == options.Domain)
        {
            replyLength = Answer(query, DnsResponseCode.NoError, null, reply);
            return DnsDecision.Reply;
        }

        if (name.EndsWith(_domainSuffix, StringComparison.Ordinal))
        {
            string label = name[..^_domainSuffix.Length];
            uint? found = label.Contains('.', StringComparison.Ordinal) ? null : Lookup(label);
            replyLength = Answer(query, found is null ? DnsResponseCode.NxDomain : DnsResponseCode.NoError, found, reply);
            return DnsDecision.Reply;
        }

        // Reverse lookups of made-up addresses (python's http.server asks one at start): they mean
        // nothing outside this node, so they are answered here rather than leaked to the forwarders.
        if (name.EndsWith(".18.198.in-addr.arpa", StringComparison.Ordinal) || name.EndsWith(".19.198.in-addr.arpa", StringComparison.Ordinal))
        {
            replyLength = Answer(query, DnsResponseCode.NxDomain, null, reply);
            return DnsDecision.Reply;
        }

        // A bare "web" (dig does not apply the search list; glibc asks it as is after the search list).
        // A bare name ax does not know is someone else's (a TLD, a name in the host's own zone): forwarded.
        if (name.Length > 0 && !name.Contains('.', StringComparison.Ordinal) && Lookup(name) is uint address)
        {
            replyLength = Answer(query, DnsResponseCode.NoError, address, reply);
            return DnsDecision.Reply;
        }

        if (options.Forwarders.Count == 0)
        {
            replyLength = ServerFailure(query, reply);
            return DnsDecision.Reply;
        }

        return DnsDecision.Forward;
    }

    /// <summary>SERVFAIL: what a client gets when no forwarder answered (or none is configured).</summary>
    internal static int ServerFailure(DnsQuery query, Span<byte> reply) =>
        DnsResponseWriter.Write(query, DnsResponseCode.ServFail, authoritative: false, [], 0, reply);

    /// <summary>An A query (or ANY) gets the address; AAAA and other types get NOERROR with no answer, since ax names are IPv4 only.</summary>
    private int Answer(DnsQuery query, DnsResponseCode code, uint? address, Span<byte> reply)
    {
        bool wantsA = query.Type is DnsRecordType.A or DnsRecordType.Any && query.Class is DnsRecordType.ClassIn or DnsRecordType.ClassAny;
        Span<uint> answers = stackalloc uint[1];
        answers[0] = address.GetValueOrDefault();
        int count = address.HasValue && wantsA ? 1 : 0;
        return DnsResponseWriter.Write(query, code, authoritative: true, answers[..count], options.Ttl, reply);
    }

    private uint? Lookup(string label)
    {
        if (!DnsName.IsValidLabel(label))
        {
            return null;
        }

        foreach (INameSource source in sources)
        {
            if (source.TryResolve(label, out uint address))
            {
                return address;
            }
        }

        return null;
    }
}
