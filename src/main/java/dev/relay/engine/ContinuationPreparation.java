package dev.relay.engine;

/**
 * Asked, on the node whose transaction created it, before an asynchronous continuation of an
 * activity that carries the extension property {@value HeldContinuations#PROPERTY} runs there: the
 * part of its work that needs no transaction is done first, by a thread of its own, so that the
 * job's thread is held only for the job's database work (see {@link JobsRunWhereCreated}), and its
 * lock need then last only for that. A job run anywhere else, or a retry, does all of its work
 * itself.
 */
public interface ContinuationPreparation {

  /**
   * Does what the continuation can do before its job, outside any transaction.
   *
   * @param key the property's value, evaluated on the execution that created the job
   * @return the work done, for the job's run; null when there is none
   */
  Prepared prepare(String key);

  /** Work done ahead of one job. */
  interface Prepared {

    /** The job runs on this thread now: the work is its to use. */
    void enter();

    /** The job has run, or will not run here: what it did not use is dropped. */
    void exit();
  }
}
