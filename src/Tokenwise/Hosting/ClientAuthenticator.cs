using Tokenwise.Access;
using Tokenwise.Pipeline;

namespace Tokenwise.Hosting;

/// <summary>
/// Decides who a client is from the key it presents: the master key, an active virtual key, or (only when
/// the gateway has no master key and so listens on loopback only) nobody in particular. A virtual key is
/// checked even then, so a revoked key never works anywhere.
/// </summary>
public sealed class ClientAuthenticator(MasterKey masterKey, KeyRing keys, TimeProvider time)
{
    /// <param name="key">The virtual key, when the client used one.</param>
    /// <returns>Null when admitted; otherwise the 401 to answer.</returns>
    public GatewayError? Authenticate(string? presented, out VirtualKey? key)
    {
        key = null;
        if (masterKey.Matches(presented))
        {
            return null;
        }

        if (KeySecret.LooksLikeVirtualKey(presented))
        {
            key = keys.FindBySecret(presented!);
            if (key is null)
            {
                return GatewayError.Unauthorized("Incorrect API key provided.");
            }

            if (!key.IsActive(time.GetUtcNow()))
            {
                return GatewayError.Unauthorized(key.RevokedAt is not null
                    ? $"The API key {key.Prefix}… was revoked."
                    : $"The API key {key.Prefix}… expired at {key.ExpiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'}.");
            }

            return null;
        }

        if (!masterKey.IsSet)
        {
            return null;
        }

        return GatewayError.Unauthorized(presented is null
            ? "No API key provided. Send it as 'Authorization: Bearer <key>' (or 'x-api-key: <key>')."
            : "Incorrect API key provided.");
    }
}
