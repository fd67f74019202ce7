using System.CommandLine;
using Tokenwise.Cli;

var root = new RootCommand("Tokenwise: an LLM gateway that meters, attributes and cuts the cost of every request.")
{
    ServeCommand.Create(),
    ReportCommand.Create(),
    AdminCommands.Keys(),
    AdminCommands.Budgets(),
    AdminCommands.Limits(),
    CatalogCommand.Create(),
    CacheCommand.Create(AdminCommands.CacheStats(), AdminCommands.CacheInvalidate()),
    Tokenwise.Cli.Router.RouterCommand.Create(),
    AdminCommands.Routes(),
};
return await root.Parse(args).InvokeAsync();
