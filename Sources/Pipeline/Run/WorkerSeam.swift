import Forecasting

/// The one seam failure drills use: every work item is held this long (heartbeating, stoppable)
/// after it is forecast and before it commits, so that a kill, a stop or a lost lease lands while
/// work is in flight. Zero in `forecastctl`; only the `forecastctl-drill` executable sets it.
public enum WorkerSeam {
    static let hold = Mutex(0.0)

    public static func holdEachItem(seconds: Double) { hold.withLock { $0 = seconds } }
}
