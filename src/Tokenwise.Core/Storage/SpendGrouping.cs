namespace Tokenwise.Storage;

/// <summary>The dimension a spend report groups by.</summary>
public enum SpendGrouping
{
    Model,
    Provider,
    Day,
    Key,
    Team,
    /// <summary>The value of one tag, named in <see cref="SpendQuery.Tag"/>.</summary>
    Tag,
    Session,
}
