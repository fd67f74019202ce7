namespace Tokenwise.Routing.Routes;

/// <summary>What a route does with a prompt that carries personal data or secrets (<see cref="Sensitivity.SensitivityDetector"/>).</summary>
public enum SensitiveMode
{
    /// <summary>Nothing: the prompt goes wherever the route sends it.</summary>
    Off,
    /// <summary>Only deployments marked local may serve it; a route without one refuses it with 400.</summary>
    Local,
    /// <summary>Local deployments get it as it is; any other gets it with each finding replaced by a placeholder, and the answer gets the originals back.</summary>
    Redact,
}
