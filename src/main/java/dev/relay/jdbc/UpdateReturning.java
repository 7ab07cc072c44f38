package dev.relay.jdbc;

import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.stereotype.Component;

/**
 * An UPDATE that answers with the rows it changed, as they are after it, in one round trip:
 * PostgreSQL's {@code RETURNING}, H2's {@code FINAL TABLE}. A hot path's "lock, then change" is
 * one statement instead of two.
 */
@Component
public class UpdateReturning {

  private final boolean postgres;

  public UpdateReturning(DataSource dataSource) throws MetaDataAccessException {
    this.postgres =
        "PostgreSQL"
            .equals(
                JdbcUtils.extractDatabaseMetaData(
                    dataSource, DatabaseMetaData::getDatabaseProductName));
  }

  public boolean isPostgres() {
    return postgres;
  }

  /** The query that runs {@code update} and selects {@code columns} of the rows it changed. */
  public String sql(String update, String columns) {
    return postgres
        ? update + " returning " + columns
        : "select " + columns + " from final table (" + update + ")";
  }
}
