namespace Tokenwise.Pipeline;

/// <summary>The stages in order, composed once at start-up into a single handler.</summary>
public sealed class GatewayPipeline
{
    private readonly GatewayHandler _handler;

    public GatewayPipeline(IEnumerable<IGatewayStage> stages, GatewayHandler terminal)
    {
        Stages = stages.ToList();
        var handler = terminal;
        for (var i = Stages.Count - 1; i >= 0; i--)
        {
            var stage = Stages[i];
            var next = handler;
            handler = context => stage.InvokeAsync(context, next);
        }

        _handler = handler;
    }

    public IReadOnlyList<IGatewayStage> Stages { get; }

    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context) => _handler(context);
}
