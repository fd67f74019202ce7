using Tokenwise.Routing.Routes;

namespace Tokenwise.Pipeline;

/// <summary>
/// Resolves the requested model: a route (its primary deployment stands for it until routing chooses),
/// else a deployment; unknown models end here with 404 <c>model_not_found</c>.
/// </summary>
public sealed class ModelResolutionStage(ModelResolver resolver, IReadOnlyDictionary<string, RoutePolicy> routes) : IGatewayStage
{
    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        ModelDeployment deployment;
        if (routes.TryGetValue(context.Request.Model, out var route))
        {
            context.Route = route;
            context.Record.Route = route.Name; // also when the cache answers and routing never runs
            deployment = route.Primary.Deployment;
        }
        else if (!resolver.TryResolve(context.Request.Model, out deployment, out var error))
        {
            return ValueTask.FromResult(GatewayResponse.Fail(error));
        }

        context.Deployment = deployment;
        context.Record.Provider = deployment.Provider;
        context.Record.UpstreamModel = deployment.UpstreamModel;
        return next(context);
    }
}
