package dev.relay.receipt;

import static dev.relay.receipt.ReadReceiptSyncProcess.*;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/** Task_UndoOriginMark: compensates Task_MarkOriginRead. */
@Component("undoOriginMarkDelegate")
class UndoOriginMarkDelegate implements JavaDelegate {

  private final ReadSyncSteps steps;

  UndoOriginMarkDelegate(ReadSyncSteps steps) {
    this.steps = steps;
  }

  @Override
  public void execute(DelegateExecution execution) {
    steps.undoOriginMark(syncId(execution));
  }
}
