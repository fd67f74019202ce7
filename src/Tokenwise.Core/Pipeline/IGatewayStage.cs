namespace Tokenwise.Pipeline;

/// <summary>The rest of the pipeline after a stage.</summary>
public delegate ValueTask<GatewayResponse> GatewayHandler(GatewayContext context);

/// <summary>
/// One step of request handling (authenticate, enforce limits, look up the cache, route, ...).
/// A stage may answer itself or call <c>next</c>; like ASP.NET Core middleware.
/// </summary>
public interface IGatewayStage
{
    ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next);
}
