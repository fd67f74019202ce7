using Tokenwise.Metering;

namespace Tokenwise.Caching;

/// <summary>
/// Whose entries a request may read: its virtual key's (the default) or its team's, when keys of one
/// team should share answers. The master key and unauthenticated loopback use <c>master</c>.
/// </summary>
public sealed class CacheNamespace(bool shareWithinTeam)
{
    public string Of(UsageRecord record) => record.KeyId is null ? "master"
        : shareWithinTeam ? "team:" + record.Team
        : "key:" + record.KeyId;
}
