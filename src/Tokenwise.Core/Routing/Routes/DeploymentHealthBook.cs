using System.Collections.Concurrent;

namespace Tokenwise.Routing.Routes;

/// <summary>Every deployment's <see cref="DeploymentHealth"/>, by provider and upstream model.</summary>
public sealed class DeploymentHealthBook
{
    private readonly ConcurrentDictionary<string, DeploymentHealth> _health = new(StringComparer.Ordinal);

    public DeploymentHealth Of(RouteTarget target) => _health.GetOrAdd(target.HealthKey, static key => new DeploymentHealth(key));

    public IEnumerable<DeploymentHealth> All => _health.Values;
}
