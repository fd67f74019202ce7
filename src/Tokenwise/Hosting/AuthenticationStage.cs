using Tokenwise.Pipeline;

namespace Tokenwise.Hosting;

/// <summary>
/// Admits a request when it carries the master key, or when the gateway has no key (it then listens
/// on loopback only). Virtual keys per team plug in here.
/// </summary>
public sealed class AuthenticationStage(MasterKey masterKey) : IGatewayStage
{
    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        if (!masterKey.IsSet || masterKey.Matches(context.ApiKey))
        {
            return next(context);
        }

        var message = context.ApiKey is null
            ? "No API key provided. Send it as 'Authorization: Bearer <key>'."
            : "Incorrect API key provided.";
        return ValueTask.FromResult(GatewayResponse.Fail(GatewayError.Unauthorized(message)));
    }
}
