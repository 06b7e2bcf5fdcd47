import ForecastCLI
import Foundation
import Pipeline

// `forecastctl` for failure drills (the integration tests, `make faults`): the same commands, with
// every work item held `FORECAST_DRILL_HOLD_MS` milliseconds (heartbeating) before it commits, so
// that a kill, a stop or a lost lease lands while work is in flight. Not installed; `forecastctl`
// itself has no such setting.
if let text = ProcessInfo.processInfo.environment["FORECAST_DRILL_HOLD_MS"], let ms = Double(text), ms.isFinite, ms > 0 {
    WorkerSeam.holdEachItem(seconds: ms / 1000)
}
Forecastctl.main()
