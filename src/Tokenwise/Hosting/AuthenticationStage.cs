using Tokenwise.Pipeline;

namespace Tokenwise.Hosting;

/// <summary>Admits an authenticated client to the models its key allows, and attributes the request to the key and its team.</summary>
public sealed class AuthenticationStage(ClientAuthenticator authenticator) : IGatewayStage
{
    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        if (authenticator.Authenticate(context.ApiKey, out var key) is { } error)
        {
            return ValueTask.FromResult(GatewayResponse.Fail(error));
        }

        if (key is not null)
        {
            if (!key.Allows(context.Request.Model))
            {
                return ValueTask.FromResult(GatewayResponse.Fail(new GatewayError(403, "permission_error", "model_not_allowed",
                    $"The API key {key.Prefix}… may not use model '{context.Request.Model}'. Allowed: {string.Join(", ", key.AllowedModels)}.", "model")));
            }

            context.Record.KeyId = key.Id;
            context.Record.Team = key.Team;
        }

        return next(context);
    }
}
