// FICHES DE CONNEXIONS from the page: the very PDF of the admin API's route
// (POST /admin/api/v1/connection-sheets), built by the same function from the same rows.
export { connectionSheetsPdf } from '../api/connectionSheets/pdf.js';
