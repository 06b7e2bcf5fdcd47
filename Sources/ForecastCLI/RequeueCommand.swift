import ArgumentParser
import Pipeline

struct RequeueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Put a failed run request, retrain request or job back on its queue, once its cause is fixed.",
        discussion: HelpText.paragraphs(
            """
            A failed run request keeps its error and names its run (forecastctl status, forecast.contract_results say why). \
            After fixing the cause, `requeue --run-request N` makes it available again: the next daemon takes it. \
            A retrain request still running after its process died (retrain requests have no heartbeat) needs --stuck. \
            A request that is waiting, running (without --stuck) or completed is refused with its state. \
            The queues side by side: SELECT * FROM forecast.queues. Every requeue is recorded in \
            forecast.queue_events with the reason, your database role and OS user, and the error the request had.

            Examples:
              forecastctl requeue --run-request 12 --reason "price feed reloaded"
              forecastctl requeue --retrain-request 3 --stuck --reason "host rebooted"
              forecastctl requeue --job 5 --reason "actuals reloaded"
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run-request"), help: "The run request (forecast.run_requests.id).")
    var runRequest: Int64?

    @Option(name: .customLong("retrain-request"), help: "The retrain request (forecast.retrain_requests.id).")
    var retrainRequest: Int64?

    @Option(name: .customLong("job"), help: "A failed job of the schedule (forecast.job_requests.id); its attempts start over.")
    var job: Int64?

    @Flag(help: "With --retrain-request: it is running but its process died.")
    var stuck = false

    @Option(help: "Why it may run again (required; recorded in forecast.queue_events).")
    var reason: String

    func run() throws {
        guard [runRequest, retrainRequest, job].compactMap({ $0 }).count == 1 else {
            throw PipelineError.invalidArgument("give one of --run-request ID, --retrain-request ID or --job ID")
        }
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let (queue, id): (Requeue.Queue, Int64) =
            runRequest.map { (.runRequests, $0) } ?? retrainRequest.map { (.retrainRequests, $0) } ?? (.jobRequests, job ?? 0)
        let was = try Requeue.requeue(queue, id: id, stuck: stuck, reason: reason, on: connection)
        print("requeue: \(queue.rawValue) \(id) was \(was.rawValue), now available")
    }
}
