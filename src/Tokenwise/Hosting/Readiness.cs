namespace Tokenwise.Hosting;

/// <summary>Whether the gateway is ready to serve (storage migrated); read by <c>/readyz</c>.</summary>
public sealed class Readiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
