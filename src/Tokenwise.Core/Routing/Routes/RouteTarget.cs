using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>One deployment a route may send to, with what the strategies need to know of it.</summary>
/// <param name="Model">The model name as configured in the route (a declared model, <c>provider/model</c> or a catalog name).</param>
/// <param name="Deployment">Where that name resolves.</param>
/// <param name="Weight">Share of traffic under <see cref="RouteStrategy.Weighted"/>, relative to the others.</param>
/// <param name="RequestsPerMinute">The deployment's own upstream limit, for <see cref="RouteStrategy.Headroom"/>.</param>
/// <param name="TokensPerMinute">Likewise, in tokens.</param>
public sealed record RouteTarget(string Model, ModelDeployment Deployment, double Weight = 1, int? RequestsPerMinute = null, long? TokensPerMinute = null)
{
    /// <summary>What identifies the deployment's health across routes: the provider and the model it is sent.</summary>
    public string HealthKey { get; } = Deployment.Provider + "/" + Deployment.UpstreamModel;
}
