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
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync();
// System.CommandLine prints what is wrong with the arguments and exits 1; 1 is the gateway refusing a change here, 2 bad arguments.
return parsed.Errors.Count > 0 ? 2 : exitCode;
